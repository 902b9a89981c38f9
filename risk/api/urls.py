from risk.api import alerts, breakers, records

urlpatterns = [*records.urlpatterns, *alerts.urlpatterns, *breakers.urlpatterns]
