"""The checks of `scripts/two-servers`: two app servers behave as one. A session made by
logging in on one is valid on the other; the anonymous throttle counts requests to both
against one limit. Prints the figures, exits non-zero on a failed check."""

import sys

import requests

A, B, USERNAME, PASSWORD, RATE = sys.argv[1:6]
RATE = int(RATE)


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        sys.exit(1)


session = requests.Session()
login_page = session.get(f"{A}/admin/login/", timeout=10)
check(login_page.status_code == 200, f"login page on {A}: {login_page.status_code}")
logged_in = session.post(
    f"{A}/admin/login/?next=/admin/",
    data={
        "username": USERNAME,
        "password": PASSWORD,
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
    },
    headers={"Referer": f"{A}/admin/login/"},
    allow_redirects=False,
    timeout=10,
)
check(logged_in.status_code == 302, f"log in on {A}: {logged_in.status_code}")
cookie = {"sessionid": session.cookies["sessionid"]}
other = requests.get(f"{B}/admin/", cookies=cookie, allow_redirects=False, timeout=10)
check(
    other.status_code == 200 and USERNAME in other.text,
    f"the session from {A} on {B}: {other.status_code}",
)
api = requests.get(f"{B}/api/v1/agreements/", cookies=cookie, timeout=10)
check(api.status_code == 200, f"the API on {B} with that session: {api.status_code}")

statuses = []
for n in range(2 * RATE):
    server = A if n % 2 == 0 else B
    statuses.append(requests.get(f"{server}/api/v1/themes/", timeout=10).status_code)
served = statuses.count(200)
print(f"anonymous requests alternating between the servers: {statuses}")
check(served == RATE, f"{served} answered of {2 * RATE} at a rate of {RATE}: the count is shared")
check(set(statuses[RATE:]) == {429}, "every request past the rate is a 429, on both servers")
print("two servers behave as one")
