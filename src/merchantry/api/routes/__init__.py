"""The API's routers, one module per audience: system, merchant reads, operator, admin."""
