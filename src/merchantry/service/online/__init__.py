"""Online state for real-time calls: refund decisions and fee quotes from memory.

``facts`` (an order's fact row) and ``evaluate`` (compiled rule trees run in Python)
serve ``risk`` (request features from buyer/shop timelines, ring and photo indexes)
and ``quote`` (fee lines and the payout schedule); ``state`` holds one worker's
state, rebuilt from the warehouse and moved forward by inbox events.
"""
