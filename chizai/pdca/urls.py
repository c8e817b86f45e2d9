from django.urls import path

from chizai.pdca import views, views_comparison, views_compilation, views_todo

app_name = "pdca"

urlpatterns = [
    # Self-evaluations (views.py)
    path("", views.evaluation_list, name="evaluation_list"),
    path("<slug:period>/start/<slug:code>/", views.evaluation_start, name="evaluation_start"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/edit/", views.evaluation_edit, name="evaluation_edit"),
    path("evaluations/<int:pk>/transition/<slug:action>/", views.evaluation_transition, name="evaluation_transition"),
    # Reviewer's to-do page (views_todo.py)
    path("todo/", views_todo.todo, name="todo"),
    # Compilation and end-of-plan evaluation (views_compilation.py)
    path("compilation/<int:period_id>/", views_compilation.compilation, name="compilation"),
    # Prefectures side by side and 督促 (views_comparison.py)
    path("comparison/", views_comparison.comparison, name="comparison"),
    path("comparison/remind/", views_comparison.comparison_remind, name="comparison_remind"),
    path("final/<int:number>/", views_compilation.final_evaluation, name="final_evaluation"),
]
