"""Swagger UI logs in: headless Chromium opens /swagger-ui/, uses "Authorize" with the OAuth2
password flow (username and password), then "Try it out" on GET /api/v1/auth/me and checks
that the answer names the user. Run by .ci/swagger-login, which starts the server."""

import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

base, username, password = sys.argv[1], sys.argv[2], sys.argv[3]

opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--window-size=1400,2400",
]:
    opts.add_argument(a)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
wait = WebDriverWait(driver, 30)


def click(css):
    el = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, css)))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    el.click()
    return el


try:
    driver.get(f"{base}/swagger-ui/")
    click("button.btn.authorize")
    # The OAuth2 scheme's password flow: username and password fields.
    wait.until(ec.visibility_of_element_located((By.ID, "oauth_username"))).send_keys(username)
    driver.find_element(By.ID, "oauth_password").send_keys(password)
    # The Authorize button of the oauth2 section (the bearer section has its own).
    section = driver.find_element(By.ID, "oauth_username").find_element(
        By.XPATH, "./ancestor::div[contains(@class,'auth-container')]"
    )
    button = section.find_element(By.CSS_SELECTOR, "button.btn.modal-btn.auth.authorize")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    # Logged in: Swagger UI shows the Logout button of that section.
    wait.until(lambda d: "Logout" in section.text)
    if "error" in section.text.lower() and "Logout" not in section.text:
        raise SystemExit(f"authorization failed: {section.text}")
    click("button.btn-done")

    click("#operations-auth-getMe .opblock-summary")
    click("#operations-auth-getMe button.try-out__btn")
    click("#operations-auth-getMe button.execute")
    body = wait.until(
        ec.visibility_of_element_located(
            (By.CSS_SELECTOR, "#operations-auth-getMe .live-responses-table .response-col_description pre")
        )
    )
    status = driver.find_element(
        By.CSS_SELECTOR, "#operations-auth-getMe .live-responses-table .response .response-col_status"
    ).text.strip()
    me = json.loads(body.text)
    if status != "200" or me.get("username") != username or me.get("role") != "district_admin":
        raise SystemExit(f"GET /auth/me through Swagger UI answered {status}: {body.text}")
    print(f"swagger-login: Swagger UI logged in as {username} (OAuth2 password flow) and ran GET /auth/me: 200")
except Exception as e:  # noqa: BLE001 - any failure fails the check, with a screenshot
    driver.save_screenshot("swagger-login-failure.png")
    print(f"swagger-login: FAILED: {e!r} (screenshot: swagger-login-failure.png)", file=sys.stderr)
    sys.exit(1)
finally:
    driver.quit()
