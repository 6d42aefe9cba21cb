"""Development and test tooling: the embedded servers, `make run`'s runner, the .env writer and the
real-process test stack. Settings and the product never import it."""
