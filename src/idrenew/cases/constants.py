from idrenew.cases.domain.states import ACTIVE, LABELS, State

STATE_CHOICES = [(s.value, LABELS[s]) for s in State]
ACTIVE_STATE_VALUES = sorted(s.value for s in ACTIVE)
