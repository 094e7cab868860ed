#!/usr/bin/env python3
"""Drives the SchedulerKit dashboard in a real headless Chromium (Debian's chromium and
chromium-driver, through selenium), as an operator would:

  sign in with a token -> force-resume a retired job through its confirmation -> add an alert
  through the form -> filter the runs to System Error -> see a run queued elsewhere appear in
  the runs table without a reload (a JavaScript marker set on the page survives) -> check that
  the runs page does not overflow a phone-width screen.

Run by Tests/SchedulerKitHTTPTests/Dashboard/DashboardBrowserTests.swift against a live server
on 127.0.0.1. Every wait is bounded; on any failure it prints one line starting with FAIL and
exits 1. With --screenshots DIR it saves PNGs of the main pages there.

  dashboard_browser.py --url http://127.0.0.1:PORT --token T --retired JOB --job JOB \
      --system-errors N [--screenshots DIR]
"""
import argparse
import json
import os
import shutil
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 20  # seconds, for every page change and live update


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def find_binary(names, fallback):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return fallback


def api(base, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + token)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--retired", required=True, help="a job in status failed")
    p.add_argument("--job", required=True, help="an active job that gets an alert and a manual run")
    p.add_argument("--system-errors", type=int, required=True, help="how many system_error runs there are")
    p.add_argument("--screenshots")
    a = p.parse_args()
    base = a.url.rstrip("/")

    options = webdriver.ChromeOptions()
    options.binary_location = find_binary(["chromium", "chromium-browser"], "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    service = Service(executable_path=find_binary(["chromedriver"], "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(WAIT)
    # A click that submits a form returns before the next page has loaded: a condition that reads
    # an element of the page being left finds it stale, and is simply tried again.
    wait = WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,))

    def shot(name):
        if a.screenshots:
            os.makedirs(a.screenshots, exist_ok=True)
            driver.save_screenshot(os.path.join(a.screenshots, name))

    def step(message):
        print("ok:", message, flush=True)

    try:
        # 1. Sign in with the token form.
        driver.get(base + "/login")
        driver.find_element(By.ID, "token").send_keys(a.token)
        driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table[data-live=jobs]")))
        check(driver.current_url.rstrip("/") == base, "after sign-in the browser is at " + driver.current_url)
        cookies = {c["name"]: c for c in driver.get_cookies()}
        session = cookies.get("schedkit_session")
        check(session is not None, "no session cookie after sign-in: " + ", ".join(cookies))
        check(session.get("httpOnly") is True, "the session cookie is not HttpOnly")
        check(driver.execute_script("return document.cookie.indexOf('schedkit_session') === -1"),
              "the session cookie is readable from JavaScript")
        shot("dashboard-jobs.png")
        step("signed in; jobs page shown; session cookie is HttpOnly")

        # 2. Force-resume the retired job: its page -> Force resume -> confirmation page ->
        #    tick the box -> the button's confirm() dialog -> back on the job, now active.
        driver.get(base + "/jobs/" + a.retired)
        badge = driver.find_element(By.CSS_SELECTOR, "h1 .badge").text
        check(badge == "Failed", "the retired job's badge reads %r, not 'Failed'" % badge)
        driver.find_element(By.ID, "force-resume").click()
        wait.until(EC.presence_of_element_located((By.ID, "confirm-submit")))
        check("/confirm/force-resume" in driver.current_url, "force resume did not ask for confirmation")
        driver.find_element(By.ID, "confirm").click()
        driver.find_element(By.ID, "confirm-submit").click()
        dialog = wait.until(EC.alert_is_present())
        check("force" in dialog.text.lower() or "resume" in dialog.text.lower(),
              "the confirmation dialog says %r" % dialog.text)
        dialog.accept()
        wait.until(lambda d: d.current_url.rstrip("/").endswith("/jobs/" + a.retired)
                   and d.find_element(By.CSS_SELECTOR, "h1 .badge").text == "Active")
        state = api(base, a.token, "GET", "/api/v1/jobs/" + a.retired)
        check(state["status"] == "active", "the API says the force-resumed job is %r" % state["status"])
        check(state["consecutive_errors"] == 0, "the streak was not reset: %r" % state["consecutive_errors"])
        step("force-resumed %s through the confirmation; it is active" % a.retired)

        # 3. Add an alert through the form on the job's page.
        target = "https://hooks.example.com/schedulerkit/%d" % int(time.time())
        driver.get(base + "/jobs/" + a.job)
        Select(driver.find_element(By.ID, "alert_type")).select_by_value("webhook")
        driver.find_element(By.ID, "target").send_keys(target)
        timeout_box = driver.find_element(By.CSS_SELECTOR, "form.alert-form input[name=on_timeout]")
        if timeout_box.is_selected():
            timeout_box.click()
        driver.find_element(By.ID, "secret").send_keys("browser-secret")
        driver.find_element(By.CSS_SELECTOR, "form.alert-form button[type=submit]").click()
        wait.until(lambda d: any(target in row.text for row in d.find_elements(By.CSS_SELECTOR, "table.alerts tbody tr")))
        row = [r for r in driver.find_elements(By.CSS_SELECTOR, "table.alerts tbody tr") if target in r.text][0]
        check("browser-secret" not in driver.page_source, "the alert's secret is shown on the page")
        check("***" in row.text, "the alert row does not show its secret as ***: %r" % row.text)
        alerts = api(base, a.token, "GET", "/api/v1/jobs/%s/alerts" % a.job)
        made = [x for x in alerts if x["target"] == target]
        check(len(made) == 1, "the API lists %d alerts with the new target" % len(made))
        check(made[0]["alert_type"] == "webhook" and made[0]["on_failure"] and not made[0]["on_timeout"]
              and made[0]["on_system_error"] and made[0]["secret"] == "***",
              "the alert was stored as %r" % made[0])
        shot("dashboard-job.png")
        step("added a webhook alert through the form (on_timeout off, secret hidden)")

        # 4. Filter the runs to System Error with the form's select.
        driver.get(base + "/runs")
        Select(driver.find_element(By.ID, "status")).select_by_visible_text("System Error")
        driver.find_element(By.CSS_SELECTOR, "form.filter button[type=submit]").click()
        wait.until(lambda d: "status=system_error" in d.current_url)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.runs tbody tr[data-run]")
        labels = [r.find_element(By.CSS_SELECTOR, ".badge").text for r in rows]
        check(len(rows) == a.system_errors, "the System Error filter shows %d runs, not %d" % (len(rows), a.system_errors))
        check(all(label == "System Error" for label in labels), "the filtered badges read %r" % labels)
        colours = {r.find_element(By.CSS_SELECTOR, ".badge").value_of_css_property("background-color") for r in rows}
        shot("dashboard-runs-system-error.png")
        driver.get(base + "/runs?status=failed")
        failed = driver.find_elements(By.CSS_SELECTOR, "table.runs tbody tr[data-run] .badge")
        check(failed and all(b.text == "Failed" for b in failed), "the Failed filter shows %r" % [b.text for b in failed])
        failed_colours = {b.value_of_css_property("background-color") for b in failed}
        check(not (colours & failed_colours), "System Error and Failed badges share a colour: %r" % (colours & failed_colours))
        step("filtered runs to System Error (%d runs, own label and colour)" % len(rows))

        # 5. A run queued by someone else appears in the open runs table without a reload.
        driver.get(base + "/runs")
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table[data-live=runs]")))
        driver.execute_script("window.__schedulerKitMarker = 'same page';")
        queued = api(base, a.token, "POST", "/api/v1/jobs/%s/run-now" % a.job, {})
        run_id = queued["run"]["id"]
        selector = 'table.runs tbody tr[data-run="%s"]' % run_id
        try:
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, selector)))
        except TimeoutException:
            raise Failure("run %s did not appear in the runs table within %d s" % (run_id, WAIT))
        marker = driver.execute_script("return window.__schedulerKitMarker || null;")
        check(marker == "same page", "the page was reloaded (marker %r)" % marker)
        new_row = driver.find_element(By.CSS_SELECTOR, selector)
        check("live-new" in (new_row.get_attribute("class") or ""), "the new row is not marked as new")
        shot("dashboard-runs.png")
        step("run %s appeared live, without a reload" % run_id)

        # 6. A phone-width screen: the runs table fits without sideways scrolling.
        driver.set_window_size(390, 844)
        driver.get(base + "/runs")
        wide = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth;")
        check(wide <= 1, "the runs page is %d px wider than a 390 px screen" % wide)
        step("runs page fits a 390 px screen")
    except Failure as failure:
        print("FAIL:", failure, flush=True)
        shot("failure.png")
        return 1
    except Exception as error:  # a selenium or HTTP error: still one line
        print("FAIL: %s: %s" % (type(error).__name__, str(error).splitlines()[0] if str(error) else ""), flush=True)
        return 1
    finally:
        driver.quit()
    print("PASS", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
