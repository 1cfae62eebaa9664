"""API keys and usage plans as the data plane reads them: which key a request carries, which
plan grants it the API stage (``access``); the ``api_key`` and ``throttle`` steps use them."""
