from django.urls import path

from apps.core.consumers import EventsConsumer
from apps.notes.live_consumer import LiveSessionConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
    path("ws/sessions/<uuid:session_id>/live/", LiveSessionConsumer.as_asgi()),
]
