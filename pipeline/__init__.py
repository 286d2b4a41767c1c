"""The application: the run lifecycle and the steps every run kind shares, above the layers."""
