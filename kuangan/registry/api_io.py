def register(router) -> None:
    """Registry import/export API routes."""
