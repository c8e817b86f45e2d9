"""`{% kept name vary_on… %}…{% endkept %}`: a page fragment kept under the data's generation.

Django's `{% cache %}` with what every kept fragment needs fixed: the "fragments" cache, its timeout, and the
data's generation (`chizai.audit.generation`) always in the key, read from the request. A template names only
what else the fragment depends on (the object, the day, the viewer's rights), so no kept fragment can outlive a
change of the data by a key that forgot the generation.
"""

from __future__ import annotations

from django import template
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context

from chizai.audit.generation import request_generation

register = template.Library()


class KeptNode(template.Node):
    def __init__(self, nodelist: NodeList, name: str, vary_on: list[FilterExpression]) -> None:
        self.nodelist, self.name, self.vary_on = nodelist, name, vary_on

    def render(self, context: Context) -> str:
        vary_on = [request_generation(context["request"]), *(value.resolve(context) for value in self.vary_on)]
        key = make_template_fragment_key(self.name, vary_on)
        cache = caches["fragments"]
        fragment: str | None = cache.get(key)
        if fragment is None:
            fragment = self.nodelist.render(context)
            cache.set(key, fragment)  # the cache's own timeout (settings.CACHES["fragments"])
        return fragment


@register.tag("kept")
def do_kept(parser: Parser, token: Token) -> KeptNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% kept %} needs the fragment's name: {% kept name vary_on… %}")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, bits[1], [parser.compile_filter(bit) for bit in bits[2:]])
