def test_healthz_checks_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_regions_list_detail_and_kind_filter(client, tree):
    provinces = client.get("/api/v1/regions/", {"kind": "province"}).json()
    assert {r["code"] for r in provinces["results"]} == {"PV27", "PV29", "PV30", "PV31"}
    zeeland = client.get("/api/v1/regions/PV29/").json()
    assert zeeland["parent"] == {"code": "LD03", "name": "West-Nederland"}
    assert zeeland["groups"] == [{"code": "AG-ZUID", "name": "Zuid"}]
    assert client.get("/api/v1/regions/NOPE/").status_code == 404


def test_a_moment_with_a_far_utc_offset_is_no_server_error(api, db):
    """`updated_since` with an offset PostgreSQL refuses (beyond ±15:59) is compared in UTC."""
    response = api.get("/api/v1/parties/", {"updated_since": "5673-03-08T22:42:34.4-22:33"})
    assert response.status_code == 200
    assert response.json()["count"] == 0
