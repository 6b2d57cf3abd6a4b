"""Property-based fuzzing of the protocol layer and of the running integration."""
