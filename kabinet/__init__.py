"""Kabinet: the consumer portal and billing engine for utility and housing-services organisations."""
