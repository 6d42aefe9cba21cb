"""The inbox socket (inbox.py) and an agent's typing relay (typing_relay.py)."""
