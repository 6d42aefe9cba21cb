"""/hooks/ on the public host: the bridge's signed webhooks land here."""

urlpatterns: list = []
