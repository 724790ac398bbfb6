"""The platform-neutral command layer: a Request in, structured Replies out (types in ``core.messages``)."""
