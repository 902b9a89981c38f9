"""ORM expressions shared by the apps.

`JSONList` reads a row's related rows (a finding's persons and its evidence) as a JSON array in the
row's own query: one statement for a page instead of one per relation (bench B4b).
"""

from datetime import UTC

from django.contrib.postgres.aggregates.mixins import OrderableAggMixin
from django.db.models import Aggregate, Expression, F, JSONField, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# The keys a JSONList adds to each object so that databases without ordered aggregates can be sorted
# in Python; they are removed before the list is returned.
_SORT_KEY = "_sort{}"


class _JSONArrayAgg(OrderableAggMixin, Aggregate):
    """JSONB_AGG(expr ORDER BY …) on PostgreSQL; JSON_GROUP_ARRAY(expr) on SQLite, whose aggregates
    take no ORDER BY before 3.44 (JSONList then sorts in Python)."""

    function = "JSONB_AGG"
    template = "%(function)s(%(expressions)s %(order_by)s)"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        clone = self.copy()
        clone.order_by = None
        clone.function = "JSON_GROUP_ARRAY"
        return clone.as_sql(compiler, connection, **extra_context)


def _descending(name: str) -> bool:
    return name.startswith("-")


class JSONList(Subquery):
    """The rows of `queryset` that belong to the outer row, as a list of dicts of `fields`.

    `queryset` is already correlated to the outer row (`.filter(finding_id=OuterRef("pk"))`) and
    `group` names the column it is correlated on. `fields` maps each key to a column (`"person__name"`).
    The list is in `order_by` order: sorted by PostgreSQL in the aggregate, elsewhere in Python on the
    same columns (SQLite compares text by code point, as Python does). A row without related rows
    reads as []."""

    def __init__(self, queryset, *, group: str, fields: dict[str, str], order_by: tuple[str, ...]):
        self.sort_order = order_by
        objects = {key: F(column) for key, column in fields.items()}
        for index, name in enumerate(order_by):
            objects[_SORT_KEY.format(index)] = F(name.lstrip("-"))
        ordering = [F(name[1:]).desc() if _descending(name) else F(name).asc() for name in order_by]
        aggregated = (
            queryset.order_by()
            .values(group)
            .annotate(_rows=_JSONArrayAgg(JSONObject(**objects), order_by=ordering))
            .values("_rows")
        )
        super().__init__(aggregated, output_field=JSONField())

    def get_db_converters(self, connection):
        sort = connection.vendor != "postgresql"
        return [*super().get_db_converters(connection), lambda value, *_: self._finish(value, sort=sort)]

    def _finish(self, rows, *, sort: bool) -> list[dict]:
        if not rows:
            return []
        keys = [_SORT_KEY.format(index) for index in range(len(self.sort_order))]
        if sort:
            # Stable sorts, least significant key first; a NULL first, as SQLite orders it ascending.
            for key, name in reversed(list(zip(keys, self.sort_order, strict=True))):
                rows.sort(key=lambda row, key=key: (row[key] is not None, row[key]), reverse=_descending(name))
        for row in rows:
            for key in keys:
                del row[key]
        return rows


def json_moment(value: str | None):
    """A date-time read from a JSON list: PostgreSQL writes it ISO 8601 with its offset, SQLite as
    stored (UTC, without one)."""
    if value is None:
        return None
    moment = parse_datetime(value)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


class CompiledOnce(Expression):
    """`expression`, an annotation over rows of `model` that depends on nothing but the row (correlated
    subqueries such as a JSONList or a related row's name), compiled to SQL once per database.

    Its parameters are kept with its SQL: an expression holding a value that changes (the time, the
    caller) must not be wrapped.

    Django resolves and compiles every subquery again in every query that selects it: for a page of
    findings with seven of them that was more Python than the bare page takes in all (bench B4b). The
    SQL of such an annotation is the same each time, given the outer table's alias: this wrapper keeps
    it. A query whose base table is not `model`'s (the page used as a subquery, whose aliases Django
    renames) compiles the expression afresh against that query."""

    def __init__(self, model, expression):
        super().__init__(output_field=expression.output_field)
        self.model = model
        self.expression = expression
        self._compiled: dict[str, tuple] = {}

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        # Resolved against a plain query of the model when compiled: nothing in the outer query changes it.
        return self

    def _compile(self, connection) -> tuple:
        compiled = self._compiled.get(connection.alias)
        if compiled is None:
            query = self.model._base_manager.all().query
            resolved = self.expression.resolve_expression(query, allow_joins=True)
            sql, params = query.get_compiler(connection=connection).compile(resolved)
            compiled = self._compiled[connection.alias] = (resolved, sql, tuple(params))
        return compiled

    def as_sql(self, compiler, connection):
        if compiler.query.base_table != self.model._meta.db_table:
            resolved = self.expression.resolve_expression(compiler.query, allow_joins=True)
            return compiler.compile(resolved)
        _resolved, sql, params = self._compile(connection)
        return sql, params

    def get_db_converters(self, connection):
        resolved, _sql, _params = self._compile(connection)
        return resolved.get_db_converters(connection)

    def __getstate__(self):
        state = super().__getstate__()
        state["_compiled"] = {}
        return state
