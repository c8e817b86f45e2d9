"""The one way forms are shown (includes/form_field.html, includes/form_errors.html):

{{ field|described }}: a form field's widget tied to its help and error texts (aria-describedby, aria-invalid), so
a screen reader reads the error with the field. {{ field|is_choice_group }}: radio buttons or several checkboxes,
shown as a fieldset. {{ field|anchor }}: the element the error summary links to (the first choice of a group).
"""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()

CHOICE_GROUPS = {"radioselect", "checkboxselectmultiple"}


@register.filter
def described(field: BoundField) -> SafeString:
    ids = []
    attrs: dict[str, str | bool] = {}
    if field.help_text:
        ids.append(f"{field.auto_id}-help")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    return field.as_widget(attrs=attrs)


@register.filter
def is_choice_group(field: BoundField) -> bool:
    return field.widget_type in CHOICE_GROUPS


@register.filter
def anchor(field: BoundField) -> str:
    if is_choice_group(field) and field.field.choices:  # type: ignore[attr-defined]
        return f"{field.auto_id}_0"
    return str(field.id_for_label or field.auto_id)
