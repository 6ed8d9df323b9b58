"""evhub: open scenario model for EV transition and production hubs."""
