from rest_framework import serializers

from regions.models import Region


class RegionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]


class RegionSerializer(serializers.ModelSerializer):
    parent = RegionBriefSerializer(read_only=True, allow_null=True)
    groups = RegionBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "name_en",
            "kind",
            "iso_code",
            "parent",
            "groups",
            "created_at",
            "updated_at",
        ]
