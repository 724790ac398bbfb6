"""Fakes of platform APIs, run on 127.0.0.1 so the real client libraries can be tested."""
