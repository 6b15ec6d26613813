{#- A timestamp no later than now plus a small clock skew (a story dated tomorrow is a
    parsing error, usually a day/month swap or a wrong zone). -#}
{% test not_in_future(model, column_name, skew_hours=12) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} > {{ dbt.dateadd('hour', skew_hours, dbt.current_timestamp()) }}

{% endtest %}
