"""Channel adapters: each turns platform updates into tutor events and renders tutor replies."""
