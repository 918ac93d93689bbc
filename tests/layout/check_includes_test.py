#!/usr/bin/env python3
"""Unit test of check_includes.py: it passes a tree that keeps the rules and names the file and
line of each kind of violation."""
import pathlib
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import check_includes  # noqa: E402


class CheckIncludes(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.tmp.name)
        # A tree that keeps the rules: each folder includes only downwards.
        self.write("core/limits.h", "#pragma once\n")
        self.write("telemetry/port_counters.h", '#include "core/limits.h"\n')
        self.write("telemetry/mirror/mirror_config.h", "#pragma once\n")
        self.write("telemetry/mirror/mirror.h", '#include "telemetry/port_counters.h"\n#include "telemetry/mirror/mirror_config.h"\n')
        self.write("qos/bandwidth.h", "#pragma once\n")
        self.write("src/datapath/port.h", '#include "qos/bandwidth.h"\n#include "telemetry/mirror/mirror.h"\n')
        self.write("src/config/config.h", '#include "qos/bandwidth.h"\n#include "telemetry/mirror/mirror_config.h"\n')
        self.write("src/control/switch.h", '#include "src/config/config.h"\n#include "src/datapath/port.h"\n')
        self.write("src/daemon/main.cpp", '#include "src/control/switch.h"\n#include "vsw_version.h"\n')
        self.write("tests/anything_test.cpp", '#include "src/daemon/main.cpp"\n')

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, rel, text):
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def problems(self):
        return check_includes.check(self.root)

    def only_problem(self, rel, text):
        """Adds file `rel` and returns the one problem the checker must find."""
        self.write(rel, text)
        problems = self.problems()
        self.assertEqual(len(problems), 1, problems)
        return problems[0]

    def test_a_tree_that_keeps_the_rules_passes(self):
        self.assertEqual(self.problems(), [])

    def test_core_including_the_datapath_is_named_with_file_and_line(self):
        p = self.only_problem("core/mbuf.h", '#pragma once\n\n#include "src/datapath/port.h"\n')
        self.assertTrue(p.startswith("core/mbuf.h:3: core/ may not include \"src/datapath/port.h\""), p)

    def test_the_datapath_may_not_include_config_or_control(self):
        self.write("src/datapath/pipeline.cpp", '#include "src/config/config.h"\n#include "src/control/switch.h"\n')
        problems = self.problems()
        self.assertEqual(len(problems), 2, problems)
        self.assertTrue(problems[0].startswith("src/datapath/pipeline.cpp:1:"), problems)
        self.assertTrue(problems[1].startswith("src/datapath/pipeline.cpp:2:"), problems)

    def test_config_sees_settings_but_not_a_stage(self):
        p = self.only_problem("src/config/state.cpp",
                              '#include "telemetry/mirror/mirror_config.h"\n#include "telemetry/mirror/mirror.h"\n')
        self.assertIn('src/config/state.cpp:2: src/config/ may not include "telemetry/mirror/mirror.h"', p)

    def test_stages_do_not_include_each_other(self):
        p = self.only_problem("telemetry/ipfix/meter.h",
                              '#include "telemetry/port_counters.h"\n#include "telemetry/mirror/mirror.h"\n')
        self.assertIn("telemetry/ipfix/meter.h:2:", p)

    def test_upwards_includes_are_refused(self):
        self.write("qos/shaping.h", '#include "src/datapath/port.h"\n')
        self.write("telemetry/counters.cpp", '#include "qos/bandwidth.h"\n')
        problems = self.problems()
        self.assertEqual([p.split(" ")[0] for p in problems], ["qos/shaping.h:1:", "telemetry/counters.cpp:1:"])

    def test_a_file_at_the_top_level_of_src_is_refused(self):
        p = self.only_problem("src/helper.cpp", "int x;\n")
        self.assertTrue(p.startswith("src/helper.cpp:1: source file at the top level of src/"), p)

    def test_a_missing_header_and_a_folder_without_rule_are_refused(self):
        self.write("core/a.cpp", '#include "core/gone.h"\n')
        self.write("newfolder/b.cpp", "int y;\n")
        problems = self.problems()
        self.assertEqual(len(problems), 2, problems)
        self.assertIn('core/a.cpp:1: includes "core/gone.h", which is not a file', problems[0])
        self.assertIn("newfolder/b.cpp:1: folder 'newfolder' has no include rule", problems[1])

    def test_main_exits_non_zero_on_a_violation(self):
        self.write("vhost/port.h", '#include "telemetry/port_counters.h"\n')
        sys.argv = ["check_includes.py", str(self.root)]
        self.assertEqual(check_includes.main(), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
