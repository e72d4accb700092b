import psycopg2
from django.http import HttpResponse
from django.urls import path


def index(request):
    return HttpResponse(f"shop: psycopg2 {psycopg2.__version__}, libpq {psycopg2.__libpq_version__}\n")


def health(request):
    return HttpResponse("ok")


urlpatterns = [path("", index), path("health", health)]
