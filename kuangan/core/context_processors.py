from .models import Notification
from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": [], "unread_notifications": 0}

    return {
        "nav_menu": menu_for(user, request.path),
        "unread_notifications": Notification.objects.for_user(user).unread().count(),
    }
