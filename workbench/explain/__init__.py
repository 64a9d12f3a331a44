"""What would it take? (issue 29): which assumed parameters decide a metric, and what value of one would reproduce a
paper's number.

* :mod:`~workbench.explain.assumptions`: the assumed ([R]) knobs of a theme, each with its plausible range and
  reason (declared once, on the config field or the preset entry: :class:`~workbench.core.knobs.Assumed`);
* :mod:`~workbench.explain.sensitivity`: one-at-a-time sweeps of each assumed knob over its plausible range (a
  tornado table), Morris elementary-effect indices and Sobol' indices (SALib), every point through the point
  runner on any executor;
* :mod:`~workbench.explain.breakeven`: the value of one assumed knob at which a claim row's paper value is reached,
  flagged inside or outside its plausible range.

Uses only ``core`` and the theme declarations found through the registry and the manifests; imports no theme by
name.
"""
