def register(router) -> None:
    """Add this app's API routes to the project router."""
