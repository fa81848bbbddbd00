"""The Content Security Policy in a real browser: each persona signs in through the form and
walks every page of her navigation; Chromium reports no violation of the policy (no inline
script, no inline handler, no injected style that the policy refuses) and the charts draw."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from msoko.access.models import Role, User
from tests.conftest import PASSWORD
from tests.test_browser import Session, browser  # noqa: F401 - the browser fixture
from tests.test_indicator_pages import load_and_compute
from tests.test_web_helpers import seed_results

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded by the page itself: every violation the browser reports, also those the console
# would show only as a warning.
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


@pytest.fixture
def computed(world: Any) -> Any:
    seed_results(world)
    User.objects.create_user(
        "rita", password=PASSWORD, role=Role.REGIONAL_ANALYST, territory=world.region
    )
    return load_and_compute(world)


class WatchedSession(Session):
    def __init__(self, chromium: Any, base_url: str) -> None:
        super().__init__(chromium, base_url)
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))
        self.context.add_init_script(WATCH_VIOLATIONS)

    def violations(self) -> list[str]:
        reported = self.page.evaluate("window.__csp || []")
        console = [m for m in self.console if "Content Security Policy" in m]
        return [*reported, *console]

    def nav_links(self) -> list[str]:
        return list(
            self.page.evaluate(
                "() => [...document.querySelectorAll('nav.nav a')].map(a => a.getAttribute('href'))"
            )
        )

    def walk(self, paths: list[str]) -> dict[str, int]:
        """Open each page; how many charts each drew."""
        drawn: dict[str, int] = {}
        for path in paths:
            response = self.goto(path)
            assert response is not None and response.status == 200, path
            self.page.wait_for_load_state("load")
            charts = self.page.locator(".chart__canvas").count()
            if charts:
                self.page.wait_for_selector(".chart__canvas canvas", state="attached", timeout=10_000)
                drawn[path] = int(
                    self.page.evaluate(
                        """() => [...document.querySelectorAll('.chart__canvas canvas')]
                              .filter(c => c.width > 0 && c.height > 0).length"""
                    )
                )
                # The height came from data-height through msoko.js, not a style attribute.
                height = self.page.evaluate(
                    "() => document.querySelector('.chart__canvas').getBoundingClientRect().height"
                )
                assert height > 100, path
            assert self.violations() == [], path
        return drawn


@pytest.mark.parametrize("username", ["alice", "bob", "rita"])
def test_every_page_of_a_persona_keeps_the_policy(
    browser: Any, live_server: Any, computed: Any, username: str  # noqa: F811
) -> None:
    s = WatchedSession(browser, live_server.url)
    s.goto("/login/")
    assert s.violations() == []
    s.login(username)
    header = s.page.evaluate(
        "async () => (await fetch('/', {credentials: 'same-origin'})).headers.get('content-security-policy')"
    )
    assert "script-src 'self'" in header
    paths = [p for p in s.nav_links() if p]
    assert "/indicators/" in paths and "/analysis/" in paths and "/cycle/" in paths
    if username == "bob":
        assert "/intake/" in "".join(paths) and "/administration/" in paths
    if username == "alice":
        paths.append(f"/organisations/{computed.school_a.pk}/")
    else:
        paths.append(f"/organisations/{computed.school_b.pk}/")
        paths.append("/administration/users/")
    drawn = s.walk(paths)
    assert drawn, "no page of the walk had a chart"
    assert all(count >= 1 for count in drawn.values()), drawn
    # A year picker submits its form from msoko.js (it had an inline onchange before).
    s.goto("/cycle/")
    if s.page.locator("select[data-autosubmit]").count():
        options = s.page.locator("select[data-autosubmit] option").count()
        if options > 1:
            value = s.page.locator("select[data-autosubmit] option").nth(1).get_attribute("value")
            with s.page.expect_navigation():
                s.page.select_option("select[data-autosubmit]", value)
            assert f"year={value}" in urlsplit(s.page.url).query
    assert s.violations() == []
    s.close()


def test_second_factor_in_the_browser(browser: Any, live_server: Any, world: Any) -> None:  # noqa: F811
    """Bob turns the second factor on from the page, signs out, and signs in with password
    and a code computed here (RFC 6238); a lockout shows the Russian message on the form."""
    import datetime

    from tests.test_security_logins import totp

    s = WatchedSession(browser, live_server.url)
    s.login("bob")
    s.page.click("text=Вход по коду")
    with s.page.expect_navigation():
        s.page.click("text=Подключить второй фактор")
    assert s.page.locator(".otp-qr svg").count() == 1
    secret = s.page.locator("#otp-secret").inner_text()
    s.page.fill("#id_code", totp(secret, datetime.datetime.now(datetime.UTC)))
    with s.page.expect_navigation():
        s.page.click("main button[type=submit]")
    assert "Второй фактор подключён" in s.page.locator("main").inner_text()
    with s.page.expect_navigation():
        s.page.click("text=Выйти")
    s.goto("/login/")
    s.page.fill("#id_username", "bob")
    s.page.fill("#id_password", PASSWORD)
    with s.page.expect_navigation():
        s.page.click("button[type=submit]")
    assert urlsplit(s.page.url).path == "/login/code/"
    assert s.page.locator("h1").inner_text() == "Код подтверждения"
    # The enrolment spent this 30-second step's code (django-otp refuses a replay), so use the
    # next step's: within the device's tolerance of one step, and never spent.
    code = totp(secret, datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=30))
    s.page.fill("#id_code", code)
    with s.page.expect_navigation():
        s.page.click("button[type=submit]")
    assert urlsplit(s.page.url).path == "/"
    assert s.violations() == []
    s.close()
    # Five wrong passwords: the form says why, in Russian.
    t = WatchedSession(browser, live_server.url)
    for _ in range(5):
        t.goto("/login/")
        t.page.fill("#id_username", "charlie")
        t.page.fill("#id_password", "wrong-password")
        with t.page.expect_navigation():
            t.page.click("button[type=submit]")
    assert "Слишком много неудачных попыток входа" in t.page.locator("#lockout").inner_text()
    t.close()
