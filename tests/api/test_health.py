import pytest
from django.test import Client


@pytest.mark.django_db
def test_health_is_200_when_the_database_answers(client: Client) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "connected"}
    assert "Retry-After" not in response
