"""Crafter-OO goals for the planners: tasks over the object-oriented state, options
(walk to, face and act, chase and attack), candidate strategies and their evaluation."""
