"""`/favicon.ico` answers on the public host and on a workspace host (it was a 404 on the public one)."""

from conftest import host_client


def test_the_icon_is_served_on_every_host(world):
    for client in (host_client(), host_client(world.ws_a)):
        response = client.get("/favicon.ico")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml" and response.content.startswith(b"<svg")
