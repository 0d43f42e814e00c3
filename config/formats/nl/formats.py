"""The registry's one date rule (admin, review pages, messages, mails): in text the day and
the month's name, "8 juni 2016"; in tables and inputs day-month-year in digits, "08-06-2016".
Templates and code name these formats (`|date`, `|date:"SHORT_DATE_FORMAT"`), never a
pattern of their own."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
