"""Django settings, built from the declared environment (`kaifang.config.env`)."""

from __future__ import annotations

import dj_database_url

from kaifang.config import env

ENV = env.load()
HOME = ENV["KAIFANG_HOME"]
HOME.mkdir(parents=True, exist_ok=True)
(HOME / "static").mkdir(exist_ok=True)  # whitenoise warns about a missing folder

SECRET_KEY = ENV["SECRET_KEY"]
DEBUG = ENV["KAIFANG_DEBUG"]
ALLOWED_HOSTS = [h.strip() for h in ENV["KAIFANG_ALLOWED_HOSTS"].split(",") if h.strip()]
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]

INSTALLED_APPS = [
    "kaifang.core.adminconfig.KaifangAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "ninja",
    "huey.contrib.djhuey",
    "kaifang.core",
    "kaifang.accounts",
    "kaifang.organizations",
    "kaifang.catalog",
    "kaifang.analytics",
    "kaifang.search",
    "kaifang.datastore",
    "kaifang.interop",
    "kaifang.harvest",
    "kaifang.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kaifang.web.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kaifang.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kaifang.config.urls"
WSGI_APPLICATION = "kaifang.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kaifang.web.context.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(ENV["DATABASE_URL"], conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    # Opening a SQLite connection costs milliseconds (Django registers its SQL functions on
    # each), more than a whole page query: keep one per worker thread.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = ENV["KAIFANG_SESSION_AGE"]
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS: list[str] = []
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
STATICFILES_DIRS = []
MEDIA_ROOT = HOME / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
FILE_UPLOAD_PERMISSIONS = 0o640

_cache = ENV["KAIFANG_CACHE_URL"]
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache}
        if _cache.startswith("redis://")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

_queue = ENV["KAIFANG_QUEUE"]
if _queue.startswith("redis://"):
    HUEY = {"huey_class": "huey.RedisHuey", "name": "kaifang", "url": _queue, "immediate": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kaifang",
        "filename": str(HOME / "queue.sqlite3"),
        "immediate": _queue == "immediate",
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "kaifang": {"level": "INFO"},
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_REFERRER_POLICY = "same-origin"

# Kaifang's own settings
KAIFANG = {
    "SITE": {
        "name": ENV["KAIFANG_SITE_NAME"],
        "name_en": ENV["KAIFANG_SITE_NAME_EN"],
        "region": ENV["KAIFANG_SITE_REGION"],
        "domain": ENV["KAIFANG_SITE_DOMAIN"],
        "host_org": ENV["KAIFANG_SITE_HOST_ORG"],
        "id_code": ENV["KAIFANG_SITE_ID_CODE"],
        "icp": ENV["KAIFANG_SITE_ICP"],
        "psb": ENV["KAIFANG_SITE_PSB"],
    },
    "UPLOAD_MAX_BYTES": ENV["KAIFANG_UPLOAD_MAX_BYTES"],
    "PLATFORM_REVIEW": ENV["KAIFANG_PLATFORM_REVIEW"],
    "SEARCH_BACKEND": ENV["KAIFANG_SEARCH_BACKEND"],
    "SEARCH_CACHE_SECONDS": ENV["KAIFANG_SEARCH_CACHE_SECONDS"],
    "SEARCH_INDEX": ENV["KAIFANG_SEARCH_INDEX"] or HOME / "search-index",
    "SEARCH_INDEX_SYNC": ENV["KAIFANG_SEARCH_INDEX_SYNC"],
    "METADATA_SCHEMA": ENV["KAIFANG_METADATA_SCHEMA"],
    "DATASTORE_ENGINE": ENV["KAIFANG_DATASTORE_ENGINE"],
    "DATASTORE_ROOT": HOME / "datastore",
    "QUERY_CONCURRENCY": ENV["KAIFANG_QUERY_CONCURRENCY"],
    "QUERY_RATE": ENV["KAIFANG_QUERY_RATE"],
    "QUERY_TIMEOUT": ENV["KAIFANG_QUERY_TIMEOUT"],
    "QUERY_MEMORY": ENV["KAIFANG_QUERY_MEMORY"],
    "QUERY_KEPT_MEMORY": ENV["KAIFANG_QUERY_KEPT_MEMORY"],
    "MAP_TILES": ENV["KAIFANG_MAP_TILES"],
    "DATASTORE_MEMORY": ENV["KAIFANG_DATASTORE_MEMORY"],
    "APPEND_MAX_ROWS": ENV["KAIFANG_APPEND_MAX_ROWS"],
    "HARVEST_ALLOWED_HOSTS": ENV["KAIFANG_HARVEST_ALLOWED_HOSTS"],
    "HTTP_TIMEOUT": ENV["KAIFANG_HTTP_TIMEOUT"],
    "HTTP_MAX_BYTES": ENV["KAIFANG_HTTP_MAX_BYTES"],
}
