"""Customer service: certified-agent routing, staffing, a routing replay and the AI assistant.

Data flow: ``cs_agents`` / ``cs_agent_skills`` / ``cs_certifications`` and ``cs_sessions``
(warehouse) + the routing rulebook (``rulebooks/cs/*.yaml``, :mod:`.rules`) ->
:mod:`.agents` (skills, badges, performance, quality) -> :mod:`.certification` (the monthly
check) -> :mod:`.routing` (one consultation, in real time) -> :mod:`.replay` (the history under
the rulebook and under round-robin, as score-indicator measures) and :mod:`.staffing` (Erlang C
and A). The assistant: :mod:`.facts` (a shop's facts from the warehouse and the fee rulebook)
-> :mod:`.assistant` (hand-off screens, topic, BM25 retrieval, cited answer) with an optional
:mod:`.llm` rewording; :mod:`.evaluation` scores it on a generated question set.
Siblings of the other stages: this package meets them in tables (the scoring stage's indicator
definitions are applied to its measures in the service layer).
"""
