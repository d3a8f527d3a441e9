"""Finance → Quotes (B-9), mounted under /billing/quotes/."""

urlpatterns: list = []
