# nbgrader's settings for the course folder (this folder). Run nbgrader from here:
#   cd assignments && nbgrader generate_assignment forward
# makes release/forward/forward.ipynb, the student version (no solutions, no hidden tests).
# Grade with `python -m grader source/forward submitted`, not `nbgrader autograde`:
# nbgrader runs student code unisolated (see README, "Graded assignments"). The sandbox shows
# a course package to submissions only if the notebook's metadata allows it, as training's
# does: "grader": {"allow": ["bpcore"]}.
c = get_config()  # noqa: F821 (nbgrader provides get_config)
c.CourseDirectory.course_id = "backprop-step-by-step"
