"""Lookups the platform registers on Django's fields (imported by CoreConfig.ready)."""

from django.db.models import IntegerField
from django.db.models.lookups import In


@IntegerField.register_lookup
class IntegerFieldIn(In):
    """`in` over an integer column: a value the column cannot hold matches no row and is left out.

    Django does this for `exact`, `gt`, `lt` and the like (IntegerFieldOverflow) but not for `in`, where
    SQLite raises OverflowError for an integer beyond 64 bits: a form's multiple choice of ids (which
    filters `pk__in`) posted with such a number was a 500 instead of a form error."""

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
