"""A real headless Chromium (Debian's ``chromium`` and ``chromium-driver``), driven
through Selenium, for the pages people open: Data Docs and the Airflow UI."""

from __future__ import annotations

import shutil

import pytest
from required import skip_or_fail


@pytest.fixture(scope="session")
def browser():
    driver_path = shutil.which("chromedriver")
    chromium = shutil.which("chromium")
    if not driver_path or not chromium:
        skip_or_fail("Debian's chromium and chromium-driver are not installed (./sparkify test installs them as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1600,1000"):
        options.add_argument(argument)
    # The driver named explicitly: Selenium must not try to download one.
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
