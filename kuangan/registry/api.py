def register(router) -> None:
    """Add the registry's API routes to the project router."""
