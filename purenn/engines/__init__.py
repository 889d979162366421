"""Faster ways to run the reference's arithmetic, each giving its bits."""
