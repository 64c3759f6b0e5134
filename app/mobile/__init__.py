"""The ``/mobile/v1`` application: what the app needs, sharing every rule."""
