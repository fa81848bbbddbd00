-- student_results:additive
SELECT
  `t1`.`org_id`,
  `t1`.`year`,
  `t1`.`procedure`,
  `t1`.`subject`,
  `t1`.`grade`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'math'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      )
      AND `t1`.`mark` IN (4, 5),
      1,
      0
    )
  ) AS `n0`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'math'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `d0`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'math'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      CAST(`t1`.`mark` AS DOUBLE),
      0.0
    )
  ) AS `n1`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'math'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `c1`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'math'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      )
      AND (
        `t1`.`mark` = 2
      ),
      1,
      0
    )
  ) AS `n2`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'math'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `d2`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      )
      AND `t1`.`mark` IN (4, 5),
      1,
      0
    )
  ) AS `n3`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `d3`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      CAST(`t1`.`mark` AS DOUBLE),
      0.0
    )
  ) AS `n4`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `c4`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      )
      AND (
        `t1`.`mark` = 2
      ),
      1,
      0
    )
  ) AS `n5`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'OGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `d5`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'math_base'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      )
      AND `t1`.`mark` IN (4, 5),
      1,
      0
    )
  ) AS `n6`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'math_base'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `d6`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'math_base'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      CAST(`t1`.`mark` AS DOUBLE),
      0.0
    )
  ) AS `n7`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'math_base'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `c7`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'math_base'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      )
      AND (
        `t1`.`mark` = 2
      ),
      1,
      0
    )
  ) AS `n8`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'math_base'
      )
      AND (
        `t1`.`mark` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `d8`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'math_profile'
      )
      AND (
        `t1`.`test_score` IS NOT NULL AND NOT ISNAN(`t1`.`test_score`)
      )
      AND (
        `t1`.`test_score` > 60
      ),
      1,
      0
    )
  ) AS `n9`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'math_profile'
      )
      AND (
        `t1`.`test_score` IS NOT NULL AND NOT ISNAN(`t1`.`test_score`)
      ),
      1,
      0
    )
  ) AS `d9`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'math_profile'
      )
      AND (
        (
          `t1`.`test_score` < `t1`.`_min_threshold`
        )
        OR (
          `t1`.`test_score` >= `t1`.`_min_threshold`
        )
      )
      AND (
        `t1`.`test_score` < `t1`.`_min_threshold`
      ),
      1,
      0
    )
  ) AS `n10`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'math_profile'
      )
      AND (
        (
          `t1`.`test_score` < `t1`.`_min_threshold`
        )
        OR (
          `t1`.`test_score` >= `t1`.`_min_threshold`
        )
      ),
      1,
      0
    )
  ) AS `d10`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        `t1`.`test_score` IS NOT NULL AND NOT ISNAN(`t1`.`test_score`)
      ),
      `t1`.`test_score`,
      0.0
    )
  ) AS `n11`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        `t1`.`test_score` IS NOT NULL AND NOT ISNAN(`t1`.`test_score`)
      ),
      1,
      0
    )
  ) AS `c11`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        `t1`.`test_score` IS NOT NULL AND NOT ISNAN(`t1`.`test_score`)
      )
      AND (
        `t1`.`test_score` > 60
      ),
      1,
      0
    )
  ) AS `n12`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        `t1`.`test_score` IS NOT NULL AND NOT ISNAN(`t1`.`test_score`)
      ),
      1,
      0
    )
  ) AS `d12`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        (
          `t1`.`test_score` < `t1`.`_min_threshold`
        )
        OR (
          `t1`.`test_score` >= `t1`.`_min_threshold`
        )
      )
      AND (
        `t1`.`test_score` < `t1`.`_min_threshold`
      ),
      1,
      0
    )
  ) AS `n13`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'EGE'
      )
      AND (
        `t1`.`subject` = 'ru'
      )
      AND (
        (
          `t1`.`test_score` < `t1`.`_min_threshold`
        )
        OR (
          `t1`.`test_score` >= `t1`.`_min_threshold`
        )
      ),
      1,
      0
    )
  ) AS `d13`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'KDR'
      )
      AND (
        `t1`.`subject` = 'read'
      )
      AND (
        `t1`.`grade` = 4
      )
      AND (
        `t1`.`level` IS NOT NULL
      )
      AND `t1`.`level` IN ('basic', 'advanced', 'high'),
      1,
      0
    )
  ) AS `n14`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'KDR'
      )
      AND (
        `t1`.`subject` = 'read'
      )
      AND (
        `t1`.`grade` = 4
      )
      AND (
        `t1`.`level` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `d14`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'KDR'
      )
      AND (
        `t1`.`subject` = 'read'
      )
      AND (
        `t1`.`grade` = 6
      )
      AND (
        `t1`.`level` IS NOT NULL
      )
      AND `t1`.`level` IN ('basic', 'advanced', 'high'),
      1,
      0
    )
  ) AS `n15`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'KDR'
      )
      AND (
        `t1`.`subject` = 'read'
      )
      AND (
        `t1`.`grade` = 6
      )
      AND (
        `t1`.`level` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `d15`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'KDR'
      )
      AND (
        `t1`.`subject` = 'sci'
      )
      AND (
        `t1`.`grade` = 8
      )
      AND (
        `t1`.`level` IS NOT NULL
      )
      AND `t1`.`level` IN ('basic', 'advanced', 'high'),
      1,
      0
    )
  ) AS `n16`,
  SUM(
    IF(
      (
        `t1`.`procedure` = 'KDR'
      )
      AND (
        `t1`.`subject` = 'sci'
      )
      AND (
        `t1`.`grade` = 8
      )
      AND (
        `t1`.`level` IS NOT NULL
      ),
      1,
      0
    )
  ) AS `d16`
FROM (
  SELECT
    `t0`.`batch_id`,
    `t0`.`org_id`,
    `t0`.`year`,
    `t0`.`procedure`,
    `t0`.`subject`,
    `t0`.`grade`,
    `t0`.`student`,
    `t0`.`class_label`,
    `t0`.`variant`,
    `t0`.`primary_score`,
    `t0`.`test_score`,
    `t0`.`mark`,
    `t0`.`journal_mark`,
    `t0`.`passed`,
    `t0`.`level`,
    CASE
      WHEN (
        `t0`.`procedure` = 'EGE'
      ) AND (
        `t0`.`subject` = 'bio'
      )
      THEN 36.0
      WHEN (
        `t0`.`procedure` = 'EGE'
      ) AND (
        `t0`.`subject` = 'chem'
      )
      THEN 36.0
      WHEN (
        `t0`.`procedure` = 'EGE'
      ) AND (
        `t0`.`subject` = 'eng'
      )
      THEN 22.0
      WHEN (
        `t0`.`procedure` = 'EGE'
      ) AND (
        `t0`.`subject` = 'geo'
      )
      THEN 37.0
      WHEN (
        `t0`.`procedure` = 'EGE'
      ) AND (
        `t0`.`subject` = 'hist'
      )
      THEN 32.0
      WHEN (
        `t0`.`procedure` = 'EGE'
      ) AND (
        `t0`.`subject` = 'inf'
      )
      THEN 40.0
      WHEN (
        `t0`.`procedure` = 'EGE'
      ) AND (
        `t0`.`subject` = 'lit'
      )
      THEN 32.0
      WHEN (
        `t0`.`procedure` = 'EGE'
      ) AND (
        `t0`.`subject` = 'math_profile'
      )
      THEN 27.0
      WHEN (
        `t0`.`procedure` = 'EGE'
      ) AND (
        `t0`.`subject` = 'phys'
      )
      THEN 36.0
      WHEN (
        `t0`.`procedure` = 'EGE'
      ) AND (
        `t0`.`subject` = 'ru'
      )
      THEN 24.0
      WHEN (
        `t0`.`procedure` = 'EGE'
      ) AND (
        `t0`.`subject` = 'soc'
      )
      THEN 42.0
      ELSE CAST(NULL AS DOUBLE)
    END AS `_min_threshold`
  FROM `student_results` AS `t0`
  WHERE
    `t0`.`procedure` IN ('EGE', 'KDR', 'OGE')
) AS `t1`
GROUP BY
  1,
  2,
  3,
  4,
  5;
