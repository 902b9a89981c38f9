from rest_framework import serializers

from accounts.models import PartyOrganization, Person, Position, Post, Unit


class UnitSerializer(serializers.ModelSerializer):
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)
    party_organization_name = serializers.CharField(
        source="party_organization.name", read_only=True, default=None, allow_null=True
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    depth = serializers.IntegerField(read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_display",
            "parent",
            "parent_name",
            "path",
            "depth",
            "party_organization",
            "party_organization_name",
            "sort_order",
            "is_active",
        ]


class PartyOrganizationSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    secretary_name = serializers.CharField(source="secretary.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = PartyOrganization
        fields = ["id", "name", "kind", "parent", "unit", "unit_name", "secretary", "secretary_name", "is_active"]


class PostSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "code", "name", "risk_level", "business_area", "description"]


class PersonSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    post_name = serializers.CharField(source="post.name", read_only=True, default=None, allow_null=True)
    has_login = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "badge_number",
            "name",
            "unit",
            "unit_name",
            "category",
            "rank",
            "post",
            "post_name",
            "is_party_member",
            "is_active",
            "has_login",
        ]

    def get_has_login(self, person: Person) -> bool:
        return person.user_id is not None


class PositionSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    in_charge_of = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Position
        fields = [
            "id",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "level",
            "title",
            "in_charge_of",
            "start_date",
            "end_date",
        ]


class RoleAssignmentOutputSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_display = serializers.CharField(source="get_role_display")
    scope = serializers.CharField()
    scope_display = serializers.CharField(source="get_scope_display")
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField(source="unit.name")


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    person = PersonSerializer(allow_null=True)
    roles = RoleAssignmentOutputSerializer(many=True)
    sees_all_units = serializers.BooleanField()
    visible_unit_count = serializers.IntegerField()
    language = serializers.CharField()


class MeInputSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=["zh-hans", "en"])


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ResponsibilityOutputSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    on_date = serializers.DateField()
    chiefs = PositionSerializer(many=True)
    team_members = PositionSerializer(many=True)
    mid_levels = PositionSerializer(many=True)
