{#- Use a model's +schema as the schema name itself (`marts`, not `main_marts`): the
    publish step and the analysts address `marts.<table>`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
