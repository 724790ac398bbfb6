"""The domain of alumni-bots: written once, free of any chat-platform library."""
