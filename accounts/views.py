from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.forms import PersonFilterForm, UnitSearchForm
from accounts.models import Position
from accounts.permissions import access_person, access_unit
from accounts.selectors import (
    person_visible_to,
    position_visible_to,
    unit_responsibility_on,
    unit_visible_to,
    visible_units,
)
from accounts.services import user_set_language

PAGE_SIZE = 50


@require_POST
def language_set(request):
    """Switch the UI language; remembered on the user (and in a cookie before login)."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    # A path of this site only: `redirect()` would take any other text for a view's name (a 500).
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            user_set_language(actor=request.user, user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    return response


@login_required
def unit_list(request):
    units = unit_visible_to(request.user).annotate(person_count=Count("persons", filter=Q(persons__is_active=True)))
    # Through a form: an over-long search is an error naming it, not cut short silently.
    form = UnitSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query:
        units = units.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return render(request, "accounts/unit_list.html", {"units": units, "q": query, "form": form})


@login_required
def unit_detail(request, pk):
    from ratings.selectors import published_ratings_of_unit

    unit = access_unit(request.user, pk)
    visible = unit_visible_to(request.user)
    today = timezone.localdate()
    return render(
        request,
        "accounts/unit_detail.html",
        {
            "unit": unit,
            "ancestors": visible.filter(pk__in=unit.ancestor_ids[:-1]).order_by("path"),
            "children": visible.filter(parent=unit).annotate(person_count=Count("persons")),
            "responsibility": unit_responsibility_on(unit, today),
            "positions": position_visible_to(request.user)
            .filter(unit=unit)
            .held_on(today)
            .exclude(level=Position.Level.OFFICER)
            .order_by("level", "start_date"),
            "person_count": person_visible_to(request.user).filter(unit=unit, is_active=True).count(),
            "history": unit.history.select_related("history_user")[:10],
            "published_ratings": published_ratings_of_unit(request.user, unit),
        },
    )


@login_required
def person_list(request):
    form = PersonFilterForm(request.GET or None, units=visible_units(request.user))
    persons = person_visible_to(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            persons = persons.filter(Q(name__icontains=data["q"]) | Q(badge_number__icontains=data["q"]))
        if data["unit"]:
            persons = persons.filter(unit__path__startswith=data["unit"].path)
        if data["category"]:
            persons = persons.filter(category=data["category"])
        if data["rank"]:
            persons = persons.filter(rank=data["rank"])
    page = Paginator(persons.order_by("unit__path", "badge_number"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/person_list.html", {"form": form, "page": page, "query": query.urlencode()})


@login_required
def person_detail(request, pk):
    from cases.eligibility import person_eligibility

    person = access_person(request.user, pk)
    return render(
        request,
        "accounts/person_detail.html",
        {
            "person": person,
            "positions": person.positions.select_related("unit").prefetch_related("in_charge_of"),
            "history": person.history.select_related("history_user", "unit")[:20],
            "eligibility": person_eligibility(person, timezone.localdate()),
        },
    )
