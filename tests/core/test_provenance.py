import subprocess

from workbench.core.provenance import git_commit


def test_a_changed_file_makes_the_checkout_dirty_unless_it_is_ignored(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    report, code = tmp_path / "report.md", tmp_path / "model.py"
    report.write_text("a\n")
    code.write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    clean = git_commit(tmp_path)
    assert len(clean["commit"]) == 40 and clean["dirty"] is False
    report.write_text("b\n")
    assert git_commit(tmp_path)["dirty"] is True
    assert git_commit(tmp_path, ignore=(report,))["dirty"] is False
    code.write_text("x = 2\n")
    assert git_commit(tmp_path, ignore=(report,))["dirty"] is True
    assert git_commit(tmp_path / "nowhere") == {"commit": None, "dirty": None}
