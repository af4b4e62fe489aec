"""The rule register and its engine: every check of rules.md, declared as data in schemas/rules/."""
