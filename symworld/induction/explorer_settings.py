"""The explorer's tunable numbers (:mod:`symworld.induction.exploration` and the
den-keeping in :mod:`symworld.induction.shelter`).

Units are in each comment: steps of walking, cells (L1 distance on the grid),
fractions of a vital's maximum, tries, or steps' worth of appeal.
"""

from symworld.induction.search import SearchSettings

MEASURE_USES = 2  # tries of every action before the grid policy takes over
LOW_VITAL = 0.5  # a vital at or below this fraction of its maximum is sought
SATED_VITAL = 0.9  # ... and then restored until it reaches this fraction
REST_VITAL = 0.34  # a vital restored only by resting is sought at this fraction
SATISFIER_RATE = 0.25  # rises per try for an (action, target) pair to satisfy
KIND_SLIP = 0.001  # changes per living object seen tolerated in the kind column
HOLDING_CAP = 3  # non-vital inventory counts are capped at this in the holding
TRY_COST = 6.0  # steps of walking one more try of a pair is worth
FRESH_BONUS = 10.0  # steps of walking a never-tried (action, target) is worth
PRODUCTIVE_BONUS = 25.0  # steps worth of a pair that always changed something
SHELTER_RADIUS = 40  # steps the explorer walks at most to a place to rest
HABITAT_RADIUS = 6  # cells around a resting place where creatures are counted
MAX_OUTSIDE = 40  # steps without a reachable target before a random walk
HARM_REACH = 3  # cells (L1) an object may stand from the player before it hurts
HARM_RATE = 0.03  # harms per step next to the player that make a kind harmful
TRUST_PRESENCE = 20  # steps next to the player before a kind may be judged harmless
ALERT_RADIUS = 8  # a harmful object this close (L1) raises the alert
ALERT_STEPS = 30  # steps the alert lasts: wait in shelter, do not rest
HARM_MEMORY = 150  # steps a place where the player was hurt is avoided
HARM_RADIUS = 7  # cells (L1) around such a place that count as exposed
HARM_PENALTY = 25.0  # shelter score of one remembered harm (open side: 10)
ENGAGE_RADIUS = 3  # objects presumed harmful this close (L1) are engaged
CRITICAL_VITAL = 0.25  # a vital this low is sought even on alert
FLEE_HEALTH = 0.5  # at or below this fraction of health, close threats are fled
DEN_RADIUS = 30  # steps the explorer walks at most to a den
DEN_PATIENCE = 60  # steps to reach and seal a den before giving it up
UNPROVEN_BONUS = 8.0  # steps worth of an action that never changed anything
SEARCH_SPREAD = 4  # working actions tried on a thing that cost one try searching
SEARCH_REACH = 4.0  # tries (of TRY_COST steps) a thing never tried is worth then
NEAR_APPEAL = 15.0  # a novel pair this much cheaper than its appeal is taken first
WORKING_BONUS = 12.0  # steps worth of a new target for an action that changed cells
REST_RADIUS = 12  # no creature that ever hurt may be this close (L1) to rest
PROVEN_HARMS = 1  # harms next to the player before a kind's habitat counts as exposed
REPRODUCE_SUPPORT = SearchSettings.min_support  # a new change is repeated this often
REPRODUCE_FAILS = 5  # failed repeats (items held, pair tried) before giving up
LURK_RADIUS = 3  # a proven threat this close (L1) keeps the player in its den
# (until full daylight while a vital is critical)
DEN_STUCK = 4  # steps stuck in a sealed den before digging without the items
DUSK_MARGIN = 0.3  # a hinted light this far above its dark level, falling: prepare
EVENING_VITAL = 0.7  # before dark, a vital below this fraction is topped up
NEAR_SOURCE = 12  # by day, a known way up this near (steps) tops up at EVENING_VITAL
STOCK_REACH = 20  # steps walked at most to restock an item from a reliable source
STOCK_RATE = 0.5  # gains per try that make a pair a reliable source of an item
CONTRAST_REACH = 4  # steps walked at most to try a discovery on another thing
HIDE_REACH = 2  # cells (L1) from a hiding place a repeat is made while waiting
CONTACT_REACH = 30  # steps walked at most to try a working action on a new kind
HAND_REACH = 3  # steps walked at most to try, holding a new item, what never made
ATTACK_RATE = 0.5  # falls of a faced object's health per try that make an attack
