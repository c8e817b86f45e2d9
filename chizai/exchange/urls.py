from chizai.exchange.urls_export import urlpatterns as export_patterns
from chizai.exchange.urls_import import urlpatterns as import_patterns

app_name = "exchange"
urlpatterns = [*import_patterns, *export_patterns]
