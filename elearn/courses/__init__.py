"""The course catalogue from content/ and the learner's journey through it."""
