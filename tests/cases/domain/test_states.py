from __future__ import annotations

import itertools
import unittest

from idrenew.cases.domain.states import (
    ACTIVE,
    FINAL,
    STEPS,
    State,
    TransitionRefused,
    allowed_targets,
    check_transition,
    step_of,
)

HAPPY_PATH = [
    State.STARTED,
    State.FACE_PASSED,
    State.IDCARD_READ,
    State.IDENTITY_CONFIRMED,
    State.UPDATE_CONFIRMED,
    State.AGREEMENTS_READ,
    State.SIGNED,
    State.SUBMITTED,
    State.APPROVED,
]


class StateMachineTests(unittest.TestCase):
    def test_happy_path_follows_the_seed_steps(self) -> None:
        for current, target in itertools.pairwise(HAPPY_PATH):
            check_transition(current, target)
        self.assertEqual([step_of(s).number for s in HAPPY_PATH[:-1]], [3, 4, 5, 6, 7, 8, 9, 10])

    def test_no_step_can_be_skipped(self) -> None:
        for i, current in enumerate(HAPPY_PATH):
            for target in HAPPY_PATH[i + 2 :]:
                with (
                    self.subTest(current=current, target=target),
                    self.assertRaises(TransitionRefused),
                ):
                    check_transition(current, target)

    def test_final_states_are_final(self) -> None:
        for state in FINAL:
            self.assertEqual(allowed_targets(state), frozenset())

    def test_submitted_cannot_be_cancelled_or_expire(self) -> None:
        self.assertNotIn(State.CANCELLED, allowed_targets(State.SUBMITTED))
        self.assertNotIn(State.EXPIRED, allowed_targets(State.SUBMITTED))

    def test_every_state_has_a_step_and_active_final_partition(self) -> None:
        self.assertEqual(ACTIVE | FINAL, frozenset(State))
        self.assertFalse(ACTIVE & FINAL)
        for state in State:
            self.assertIn(step_of(state), STEPS)

    def test_returned_goes_back_to_a_named_step(self) -> None:
        check_transition(State.SUBMITTED, State.RETURNED)
        check_transition(State.RETURNED, State.FACE_PASSED)
        with self.assertRaises(TransitionRefused):
            check_transition(State.RETURNED, State.SUBMITTED)
